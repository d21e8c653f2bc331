"""The front desk's steps: `facts` (with the `desk` and `rota` header sections) and `expectations`, both on
`STEP_MODULES`."""
