SELECT
  count(t.id) AS count
FROM
  `log_events_4` AS `t`
  CROSS JOIN UNNEST(t.col) AS c
WHERE
  c.nested BETWEEN 200 AND 299
-- params: 
