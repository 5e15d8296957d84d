-- title: Service quota increase requested for compute, AI or messaging
-- severity: medium
-- description: RequestServiceQuotaIncrease (and quota request templates for new organization
--   accounts) for services whose quotas cap what hijacked accounts are abused for, as matched by
--   `services` on the service code: EC2 and other compute (miners need many vCPUs, GPU ones
--   most), Bedrock and SageMaker (models), SES and SNS (spam, SMS pumping). Refused requests are
--   kept, with their error code. autoscaling-limits-raised lists every quota request from the
--   cost side.
-- references: MITRE ATT&CK T1496.001, T1496.004
-- attack: T1496.001; T1496.004
-- param: services string ^(ec2|bedrock|sagemaker|lambda|ecs|fargate|eks|batch|lightsail|elasticmapreduce|gamelift|ses|sns)$ | regular expression on the service code
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.serviceCode') AS service,
       json_extract_scalar(requestparameters, '$.quotaCode') AS quota,
       json_extract_scalar(requestparameters, '$.desiredValue') AS desired_value,
       sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'servicequotas.amazonaws.com'
  AND eventname IN ('RequestServiceQuotaIncrease', 'PutServiceQuotaIncreaseRequestIntoTemplate')
  AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.serviceCode'), ''), $services)
ORDER BY eventtime, eventid
