-- title: VPC flow logs deleted
-- severity: high
-- description: DeleteFlowLogs calls that succeeded: network traffic of the VPCs, subnets or
--   interfaces concerned is no longer recorded. The deleted flow log ids are shown as the request
--   gave them.
-- references: MITRE ATT&CK T1562.008
-- attack: T1562.008
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract(requestparameters, '$.DeleteFlowLogsRequest.FlowLogId') AS flow_logs,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'DeleteFlowLogs'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
