-- title: Destructive actions by principal
-- severity: medium
-- description: Delete*, Terminate*, Remove*, Detach* and Disable* calls, with who, from where, with
--   what, and whether they worked: "who deleted it at 3 AM, and from where".
-- references: Incident response: impact; MITRE ATT&CK T1485, T1489
-- param: principal string % | LIKE pattern on the principal (user name or ARN)
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, useragent, errorcode,
       coalesce(resources[1].arn, json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.instancesSet.items[0].instanceId')) AS target,
       account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND regexp_like(eventname, '^(Delete|Terminate|Remove|Detach|Disable)')
  AND (user_display_name(useridentity) LIKE $principal OR coalesce(useridentity.arn, '') LIKE $principal)
ORDER BY eventtime, eventid, eventname, eventsource, account, region, principal, target, sourceipaddress, useragent, errorcode
