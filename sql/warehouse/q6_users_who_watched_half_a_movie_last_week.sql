-- How many users watched at least 50% of any movie in the last week of the month (Dec 24-31)?
-- Watched in the week: a stream that ended in the week and lasted at least half the movie's
-- duration. The week is in the data's local time (+01:00).
SELECT count(DISTINCT s.user_email) AS users
FROM streams s
JOIN movies m ON m.title = s.movie_title
WHERE s.end_at >= TIMESTAMPTZ '2021-12-24 00:00:00+01:00'
  AND s.end_at < TIMESTAMPTZ '2022-01-01 00:00:00+01:00'
  AND s.end_at - s.start_at >= m.duration_mins * INTERVAL '30 seconds';
