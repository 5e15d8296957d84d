-- title: Auto Scaling limits raised
-- severity: low
-- description: Auto Scaling groups created or updated with a maximum size (or desired capacity)
--   of at least `min_size`, and service quota increases requested.
-- references: FinOps: capacity changes; MITRE ATT&CK T1496
-- param: min_size int 50 | a maximum at least this large is reported
SELECT eventid, eventtime, eventname,
       coalesce(json_extract_scalar(requestparameters, '$.autoScalingGroupName'), json_extract_scalar(requestparameters, '$.quotaCode')) AS target,
       coalesce(json_extract_scalar(requestparameters, '$.maxSize'), json_extract_scalar(requestparameters, '$.desiredValue')) AS new_limit,
       user_display_name(useridentity) AS principal, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND errorcode IS NULL
  AND ((eventsource = 'autoscaling.amazonaws.com' AND eventname IN ('CreateAutoScalingGroup', 'UpdateAutoScalingGroup', 'SetDesiredCapacity')
        AND greatest(CAST(coalesce(json_extract_scalar(requestparameters, '$.maxSize'), '0') AS BIGINT),
                     CAST(coalesce(json_extract_scalar(requestparameters, '$.desiredCapacity'), '0') AS BIGINT)) >= $min_size)
    OR (eventsource = 'servicequotas.amazonaws.com' AND eventname = 'RequestServiceQuotaIncrease'))
ORDER BY eventtime, eventid
