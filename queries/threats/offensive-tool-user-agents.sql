-- title: Known offensive tool user agents
-- severity: high
-- description: Calls whose user agent names an attack distribution or tool: Kali, Parrot and
--   Pentoo Linux (as boto3 and the AWS CLI report them), Pacu, CloudGoat, Stratus Red Team,
--   WeirdAAL, CloudFox, TruffleHog, Sqlmap, Nmap. One finding per principal, user agent and clock
--   hour (a tool makes hundreds of calls; one alert says it), with its calls, the refused ones,
--   the APIs and the addresses. A careful attacker changes the user agent: the other detections
--   look at what was done.
-- references: MITRE ATT&CK T1588.002
-- attack: T1588.002
-- param: pattern string (?i)(kali|parrot|pentoo|pacu|cloudgoat|stratus-red-team|weirdaal|cloudfox|trufflehog|sqlmap|nmap) | regular expression on the user agent
WITH calls AS (
  SELECT eventid, eventtime, eventsource, eventname, errorcode, sourceipaddress, account,
         user_display_name(useridentity) AS principal, useragent
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND regexp_like(coalesce(useragent, ''), $pattern)
)
SELECT principal, useragent, date_bin(INTERVAL '1 hour', eventtime) AS hour,
       min(eventtime) AS first_call, max(eventtime) AS last_call, count(*) AS calls,
       count(errorcode) AS refused,
       array_sort(array_agg(DISTINCT eventsource || ':' || eventname)) AS apis,
       array_sort(array_agg(DISTINCT sourceipaddress)) AS source_ips,
       min(account) AS account,
       array_agg(eventid ORDER BY eventtime, eventid) AS eventids
FROM calls
GROUP BY principal, useragent, date_bin(INTERVAL '1 hour', eventtime)
ORDER BY hour, principal, useragent
