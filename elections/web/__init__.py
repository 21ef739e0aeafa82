"""What every request and every blueprint shares: access rules, security, languages, refusals."""
