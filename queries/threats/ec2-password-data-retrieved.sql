-- title: EC2 Windows password data retrieved or attempted
-- severity: medium
-- description: GetPasswordData calls: the instance's initial Administrator password, encrypted
--   with the launch key pair, handed out (whoever holds the key pair's private key can read it
--   and log in over RDP). The console's "Get Windows password" makes the same call. Refused
--   attempts are findings too, with their error code: trying is the technique. One finding per
--   principal, clock hour and outcome (a tool tries every instance at once: 30 refusals in one
--   second are one finding), with the instances and calls.
-- references: MITRE ATT&CK T1552
-- attack: T1552
SELECT user_display_name(useridentity) AS principal, date_bin(INTERVAL '1 hour', eventtime) AS hour,
       errorcode, count(*) AS calls,
       array_sort(array_agg(DISTINCT json_extract_scalar(requestparameters, '$.instanceId'))) AS instances,
       array_sort(array_agg(DISTINCT sourceipaddress)) AS source_ips,
       min(account) AS account, min(region) AS region,
       array_agg(eventid ORDER BY eventtime, eventid) AS eventids
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'GetPasswordData'
GROUP BY user_display_name(useridentity), date_bin(INTERVAL '1 hour', eventtime), errorcode
ORDER BY hour, principal, errorcode
