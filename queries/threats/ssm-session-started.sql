-- title: SSM Session Manager session started
-- severity: low
-- description: StartSession and ResumeSession calls that succeeded: an interactive shell (or a
--   port forwarding tunnel, by the session document named) on an instance through Systems
--   Manager, with no SSH key, no open port and no bastion, the way an intruder holding cloud
--   credentials reaches the machines and their instance-role credentials. Expected from
--   administrators: read it with who, from where and which document.
-- references: MITRE ATT&CK T1021.008
-- attack: T1021.008
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.target'), json_extract_scalar(requestparameters, '$.sessionId')) AS target,
       json_extract_scalar(requestparameters, '$.documentName') AS document,
       json_extract_scalar(responseelements, '$.sessionId') AS session_id,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ssm.amazonaws.com' AND eventname IN ('StartSession', 'ResumeSession')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
