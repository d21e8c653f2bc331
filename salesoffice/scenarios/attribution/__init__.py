"""The client register's steps: `facts` and `expectations`, both on `STEP_MODULES`; `common` holds what they share
(and commission's steps use) and marks no step."""
