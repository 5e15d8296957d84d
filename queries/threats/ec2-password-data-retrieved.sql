-- title: EC2 Windows password data retrieved
-- severity: medium
-- description: GetPasswordData calls that succeeded: the instance's initial Administrator
--   password, encrypted with the launch key pair, was handed out (whoever holds the key pair's
--   private key can read it and log in over RDP). The console's "Get Windows password" makes the
--   same call. Refused attempts are left out (unauthorized-calls-burst counts them).
-- references: MITRE ATT&CK T1552
-- attack: T1552
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.instanceId') AS instance_id,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'GetPasswordData'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
