"""Statistics for the dashboard's views: pure functions of counts (numpy/scipy/statsmodels), no SQL, no Dash."""
