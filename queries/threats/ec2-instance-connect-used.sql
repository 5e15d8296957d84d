-- title: SSH key pushed with EC2 Instance Connect
-- severity: low
-- description: SendSSHPublicKey and SendSerialConsoleSSHPublicKey calls that succeeded: a public
--   key of the caller's choice accepted by the instance for 60 seconds, for an SSH login or a
--   serial console session, without the instance's key pair. Expected from the EC2 console's
--   Connect button; unexpected from scripts pushing one key to many instances.
-- references: MITRE ATT&CK T1021.008, T1021.004, T1098.004
-- attack: T1021.008; T1021.004; T1098.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.instanceId') AS instance_id,
       json_extract_scalar(requestparameters, '$.instanceOSUser') AS os_user,
       json_extract_scalar(requestparameters, '$.serialPort') AS serial_port,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2-instance-connect.amazonaws.com'
  AND eventname IN ('SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
