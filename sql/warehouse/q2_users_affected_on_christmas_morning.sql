-- On Christmas morning (07:00 to 12:00 local time, Dec 25) a corrupted file of "Unforgiven" could affect any in-progress stream of it. How many users were potentially affected?
-- In progress: the stream overlaps the window. The window is in the data's local time, +01:00.
SELECT count(DISTINCT s.user_email) AS users_affected
FROM streams s
WHERE s.movie_title = 'Unforgiven'
  AND s.start_at < TIMESTAMPTZ '2021-12-25 12:00:00+01:00'
  AND s.end_at > TIMESTAMPTZ '2021-12-25 07:00:00+01:00';
