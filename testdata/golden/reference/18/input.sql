select 'tester' as col
