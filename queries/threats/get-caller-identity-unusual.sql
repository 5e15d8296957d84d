-- title: GetCallerIdentity from a raw HTTP client or an audit tool
-- severity: medium
-- description: sts:GetCallerIdentity ("whose keys are these?", the first call made with found or
--   stolen credentials) sent by a user agent matching `pattern`: hand-signed requests from
--   generic HTTP libraries and command-line clients (python-requests, curl, Go's net/http,
--   PowerShell's web cmdlets, ...), as key checkers and scripts send them, not by an AWS SDK or
--   the CLI; or matching `audit_pattern`: cloud auditing tools (Prowler, Scout Suite,
--   CloudSploit, ...), expected when your own auditors run them and worth a look otherwise (set
--   `audit_pattern` to `^$` to leave them out). Attack distributions and tools (Kali, Pacu, ...)
--   are the business of offensive-tool-user-agents. The kind column says which pattern matched.
-- references: MITRE ATT&CK T1087.004, T1033
-- attack: T1087.004; T1033
-- param: pattern string (?i)^(python-requests|python-urllib|python-httpx|aiohttp|curl|wget|go-http-client|okhttp|node-fetch|axios|undici|libwww-perl|ruby|java/|apache-httpclient|postmanruntime|insomnia)|^mozilla/5\.0\s\([^)]*\)\s(windows)?powershell/ | regular expression on the user agent: raw HTTP clients
-- param: audit_pattern string (?i)apn_1826889|prowler|scout\s?suite|cloudsploit|steampipe | regular expression on the user agent: auditing tools
SELECT eventid, eventtime, user_display_name(useridentity) AS principal, useridentity.type AS identity_type,
       CASE WHEN regexp_like(coalesce(useragent, ''), $pattern) THEN 'raw HTTP client' ELSE 'audit tool' END AS kind,
       useragent, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'sts.amazonaws.com' AND eventname = 'GetCallerIdentity'
  AND (regexp_like(coalesce(useragent, ''), $pattern) OR regexp_like(coalesce(useragent, ''), $audit_pattern))
ORDER BY eventtime, eventid
