SELECT
  $1 AS arg1,
  $2 AS arg2,
  coalesce($1, '') > $1 AS arg_copy
-- params: test, test_another
