select @test as arg1, @test_another as arg2, coalesce(@test, '') > @test as arg_copy
