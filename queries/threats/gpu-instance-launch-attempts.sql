-- title: GPU or very large instances launched or attempted
-- severity: high
-- description: RunInstances asking for accelerated families (p, g, inf, trn, dl, f, vt) or very
--   large sizes (metal, 12xlarge and up): what a miner or model trainer on stolen credentials
--   launches, usually many at once and often refused first by a policy or quota. Refused attempts
--   are reported with their error code; the cost category's query of launches prices the same
--   calls. `max_count` is the number asked for.
-- references: MITRE ATT&CK T1496.001
-- attack: T1496.001
-- param: pattern string ^(p[0-9]|g[0-9]|inf[0-9]|trn[0-9]|dl[0-9]|f[0-9]|vt[0-9])|\.(metal|(1[2-9]|[2-9][0-9]|[1-9][0-9][0-9])xlarge) | regular expression on the instance type
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.instanceType') AS instance_type,
       coalesce(json_extract_scalar(requestparameters, '$.instancesSet.items[0].maxCount'), json_extract_scalar(requestparameters, '$.maxCount')) AS max_count,
       errorcode, sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances'
  AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.instanceType'), ''), $pattern)
ORDER BY eventtime, eventid
