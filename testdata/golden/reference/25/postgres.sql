SELECT
  $1::TEXT AS arg1,
  $2::TEXT AS arg2,
  coalesce($1::TEXT, '') > $1::TEXT AS arg_copy
-- params: test, test_another
