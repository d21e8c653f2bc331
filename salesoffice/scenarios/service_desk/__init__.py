"""The service desk's steps: `facts` (with the `office` header section) and `expectations`, both on `STEP_MODULES`;
`common` holds what they share and marks no step."""
