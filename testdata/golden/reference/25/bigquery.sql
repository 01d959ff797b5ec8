SELECT
  @test AS arg1,
  @test_another AS arg2,
  coalesce(@test, '') > @test AS arg_copy
-- params: test, test_another
