-- title: EC2 serial console access enabled
-- severity: high
-- description: EnableSerialConsoleAccess calls that succeeded: the account-wide (per region)
--   switch that lets IAM principals open a serial console on any Nitro instance, a way in that
--   ignores security groups, network ACLs and a broken or removed SSH setup. Usually off, and
--   turned on rarely and briefly for break-glass repairs.
-- references: MITRE ATT&CK T1021.008
-- attack: T1021.008
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       -- AWS nests the answer in EnableSerialConsoleAccessResponse; older records had it flat.
       coalesce(json_extract_scalar(responseelements, '$.EnableSerialConsoleAccessResponse.serialConsoleAccessEnabled'),
                json_extract_scalar(responseelements, '$.serialConsoleAccessEnabled')) AS enabled,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'EnableSerialConsoleAccess'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
