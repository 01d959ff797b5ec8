select test from `c.d.e`
