-- title: EC2 instance user data changed
-- severity: high
-- description: ModifyInstanceAttribute setting an instance's user data: the script runs as root
--   (or SYSTEM) when the instance next boots, with the instance's role, a known way to run code
--   on, and keep a foothold in, an existing instance. CloudTrail hides the script itself. Calls
--   that failed are left out.
-- references: MITRE ATT&CK T1059.009, T1037
-- attack: T1059.009; T1037
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.instanceId') AS instance_id,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'ModifyInstanceAttribute'
  AND errorcode IS NULL
  AND (json_get_json(requestparameters, 'userData') IS NOT NULL
    OR json_extract_scalar(requestparameters, '$.attribute') = 'userData')
ORDER BY eventtime, eventid
