-- title: CloudWatch Logs deleted, cut off or kept shorter
-- severity: medium
-- description: Log groups and log streams deleted, subscription filters deleted (logs no longer
--   forwarded to a SIEM or archive), metric filters deleted (the alarms built on them go blind),
--   and retention set below `min_retention_days` days (older events expire). Failed calls are
--   left out.
-- references: MITRE ATT&CK T1562.008, T1070
-- attack: T1562.008; T1070
-- param: min_retention_days int 30 | a retention (in days) below this counts as shortened
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.logGroupName'), json_extract_scalar(requestparameters, '$.logGroupIdentifier')) AS log_group,
       coalesce(json_extract_scalar(requestparameters, '$.logStreamName'), json_extract_scalar(requestparameters, '$.filterName'),
                json_extract_scalar(requestparameters, '$.retentionInDays')) AS detail,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'logs.amazonaws.com'
  AND eventname IN ('DeleteLogGroup', 'DeleteLogStream', 'DeleteSubscriptionFilter', 'DeleteMetricFilter', 'PutRetentionPolicy')
  AND errorcode IS NULL
  AND (eventname <> 'PutRetentionPolicy'
    OR TRY_CAST(json_extract_scalar(requestparameters, '$.retentionInDays') AS BIGINT) < $min_retention_days)
ORDER BY eventtime, eventid
