-- title: S3 server access logging turned off
-- severity: medium
-- description: PutBucketLogging whose BucketLoggingStatus has no LoggingEnabled element: the
--   bucket's server access logs stop. Calls that set or change a log target, and failed calls,
--   are left out.
-- references: MITRE ATT&CK T1562.008
-- attack: T1562.008
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 's3.amazonaws.com' AND eventname = 'PutBucketLogging'
  AND errorcode IS NULL
  AND requestparameters IS NOT NULL
  AND strpos(requestparameters, '"LoggingEnabled"') = 0
ORDER BY eventtime, eventid
