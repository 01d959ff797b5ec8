WITH data AS (
  SELECT
    metadata
  FROM
    `log_events_0` AS `c.d.e`
)
SELECT
  NULL AS nested
FROM
  data t
  CROSS JOIN UNNEST([]) AS d
WHERE
  regexp_contains(NULL, "deep")
-- params: 
