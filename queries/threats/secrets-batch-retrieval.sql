-- title: Secrets read in a batch
-- severity: high
-- description: BatchGetSecretValue calls: up to twenty secrets in one call, named in a list or
--   matched by filters (a tag, a name prefix), so one request can empty the secrets store without
--   the many GetSecretValue calls a harvest otherwise makes. Applications read their own secrets
--   one by one; a batch by filter is rare outside migrations. Refused calls count too (trying is
--   the sign), with their error code.
-- references: MITRE ATT&CK T1555.006
-- attack: T1555.006
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       coalesce(json_extract(requestparameters, '$.secretIdList'),
                json_extract(requestparameters, '$.filters')) AS selection,
       errorcode, sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'BatchGetSecretValue'
ORDER BY eventtime, eventid
