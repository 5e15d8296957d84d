-- title: RDS master password changed
-- severity: medium
-- description: ModifyDBInstance and ModifyDBCluster calls that succeeded with a new master user
--   password in the request (CloudTrail hides its value, not its presence): whoever set it can
--   log in to the database as its owner, and an intruder restoring a snapshot or taking over a
--   database does exactly this before dumping it. Switching the password to Secrets Manager
--   management without a new password is left out.
-- references: MITRE ATT&CK T1098
-- attack: T1098
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.dBInstanceIdentifier'), json_extract_scalar(requestparameters, '$.dBClusterIdentifier')) AS db,
       json_extract_scalar(requestparameters, '$.applyImmediately') AS apply_immediately,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'rds.amazonaws.com' AND eventname IN ('ModifyDBInstance', 'ModifyDBCluster')
  AND errorcode IS NULL
  AND json_extract_scalar(requestparameters, '$.masterUserPassword') IS NOT NULL
ORDER BY eventtime, eventid
