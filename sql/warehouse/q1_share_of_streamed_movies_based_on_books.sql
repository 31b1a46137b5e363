-- What share of the streamed movies are based on books?
-- A movie is based on a book when a review ties its title to a book (reviews carry titles in
-- upper case). Streamed: at least one stream in December 2021 (the data's local time, +01:00).
WITH streamed AS (
  SELECT DISTINCT s.movie_title
  FROM streams s
  WHERE s.start_at >= TIMESTAMPTZ '2021-12-01 00:00:00+01:00'
    AND s.start_at < TIMESTAMPTZ '2022-01-01 00:00:00+01:00'
)
SELECT round(avg(CASE WHEN EXISTS (
                   SELECT 1 FROM reviews r
                   WHERE r.movie_title = upper(streamed.movie_title) AND r.book_title IS NOT NULL)
                 THEN 1.0 ELSE 0.0 END), 2) AS share_based_on_books
FROM streamed;
