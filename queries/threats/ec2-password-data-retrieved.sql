-- title: EC2 Windows password data retrieved or attempted
-- severity: medium
-- description: GetPasswordData calls: the instance's initial Administrator password, encrypted
--   with the launch key pair, handed out (whoever holds the key pair's private key can read it
--   and log in over RDP). The console's "Get Windows password" makes the same call. Refused
--   attempts are findings too, with their error code: trying is the technique.
-- references: MITRE ATT&CK T1552
-- attack: T1552
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.instanceId') AS instance_id,
       errorcode, sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'GetPasswordData'
ORDER BY eventtime, eventid
