WITH test AS (
  SELECT
    id,
    metadata
  FROM
    `log_events_2` AS `mytable`
)
SELECT
  id,
  metadata[SAFE_OFFSET(0)].request AS request
FROM
  test
-- params: 
