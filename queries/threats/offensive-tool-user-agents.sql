-- title: Known offensive tool user agents
-- severity: high
-- description: Calls whose user agent names an attack distribution or tool: Kali, Parrot and
--   Pentoo Linux (as boto3 and the AWS CLI report them), Pacu, CloudGoat, Stratus Red Team,
--   WeirdAAL, CloudFox, TruffleHog, Sqlmap, Nmap.
-- references: MITRE ATT&CK T1588.002
-- attack: T1588.002
-- param: pattern string (?i)(kali|parrot|pentoo|pacu|cloudgoat|stratus-red-team|weirdaal|cloudfox|trufflehog|sqlmap|nmap) | regular expression on the user agent
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, useragent, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND regexp_like(coalesce(useragent, ''), $pattern)
ORDER BY eventtime, eventid
