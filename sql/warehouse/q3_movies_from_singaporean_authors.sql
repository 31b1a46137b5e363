-- How many movies based on books by Singaporean authors were streamed that month?
SELECT count(DISTINCT m.title) AS movies
FROM movies m
JOIN reviews r ON r.movie_title = upper(m.title)
JOIN books b ON upper(b.title) = r.book_title
JOIN authors a ON a.name = b.author
WHERE a.nationality = 'singaporeans'
  AND EXISTS (
    SELECT 1 FROM streams s
    WHERE s.movie_title = m.title
      AND s.start_at >= TIMESTAMPTZ '2021-12-01 00:00:00+01:00'
      AND s.start_at < TIMESTAMPTZ '2022-01-01 00:00:00+01:00');
