-- What is the median streaming size in gigabytes (1 GB = 1000 MB)?
SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY s.size_mb) / 1000)::numeric, 2)
         AS median_gb
FROM streams s;
