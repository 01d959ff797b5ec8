WITH data AS (
  SELECT
    `c_d_e`.`metadata` AS `metadata`
  FROM
    `log_events_0` AS `c_d_e`
)
SELECT
  NULL AS nested
FROM
  data t
WHERE
  (regexp_contains(NULL, "deep")) AND false
-- params: 
