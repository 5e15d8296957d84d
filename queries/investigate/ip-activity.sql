-- title: Everything done from one IP address or network
-- severity: info
-- description: Every event whose source IP is in the network (an address or a CIDR, IPv4 or IPv6).
-- references: Incident response: scoping
-- param: ip string required | an address or CIDR, e.g. 203.0.113.7 or 203.0.113.0/24
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND ip_in_cidr(sourceipaddress, CASE WHEN strpos($ip, '/') > 0 THEN $ip WHEN strpos($ip, ':') > 0 THEN concat($ip, '/128') ELSE concat($ip, '/32') END)
ORDER BY eventtime, eventid, eventname, eventsource, account, region, principal, sourceipaddress, useragent, errorcode
