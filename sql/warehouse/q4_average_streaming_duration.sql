-- What is the average streaming duration, in seconds?
SELECT round(avg(extract(epoch FROM s.end_at - s.start_at))) AS average_seconds
FROM streams s;
