-- title: Secrets read in a batch
-- severity: high
-- description: BatchGetSecretValue calls: up to twenty secrets in one call, named in a list or
--   matched by filters (a tag, a name prefix), so one request can empty the secrets store without
--   the many GetSecretValue calls a harvest otherwise makes. Applications read their own secrets
--   one by one; a batch by filter is rare outside migrations. Refused calls count too (trying is
--   the sign), with their error code. One finding per principal, clock hour and outcome (a
--   harvest pages through the store in a few calls), with what the calls selected.
-- references: MITRE ATT&CK T1555.006
-- attack: T1555.006
SELECT user_display_name(useridentity) AS principal, date_bin(INTERVAL '1 hour', eventtime) AS hour,
       errorcode, count(*) AS calls,
       array_sort(array_agg(DISTINCT coalesce(json_extract(requestparameters, '$.secretIdList'),
                                               json_extract(requestparameters, '$.filters')))) AS selections,
       array_sort(array_agg(DISTINCT sourceipaddress)) AS source_ips,
       min(account) AS account, min(region) AS region,
       array_agg(eventid ORDER BY eventtime, eventid) AS eventids
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'BatchGetSecretValue'
GROUP BY user_display_name(useridentity), date_bin(INTERVAL '1 hour', eventtime), errorcode
ORDER BY hour, principal, errorcode
