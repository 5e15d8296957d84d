-- title: Shell command sent to instances through SSM
-- severity: medium
-- description: SendCommand calls that succeeded with a document that runs arbitrary commands or
--   scripts (name matching `documents`: AWS-RunShellScript, AWS-RunPowerShellScript,
--   AWS-RunRemoteScript, ...): code run as root or SYSTEM on every targeted instance, by anyone
--   allowed ssm:SendCommand. The commands themselves are hidden by CloudTrail; the targets are
--   shown. Patching and inventory documents are left out.
-- references: MITRE ATT&CK T1651
-- attack: T1651
-- param: documents string (?i)^AWS-Run(ShellScript|PowerShellScript|RemoteScript|Document|AnsiblePlaybook|SaltState)$|^AWS-ApplyAnsiblePlaybooks$ | regular expression on the document name
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.documentName') AS document,
       coalesce(json_extract(requestparameters, '$.instanceIds'), json_extract(requestparameters, '$.targets')) AS targets,
       json_extract_scalar(responseelements, '$.command.commandId') AS command_id,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ssm.amazonaws.com' AND eventname = 'SendCommand'
  AND errorcode IS NULL
  AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.documentName'), ''), $documents)
ORDER BY eventtime, eventid
