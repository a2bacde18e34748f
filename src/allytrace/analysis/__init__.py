"""Analysis: functions that take data and return data; they never print."""
