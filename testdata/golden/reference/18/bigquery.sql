SELECT
  'tester' AS col
-- params: 
