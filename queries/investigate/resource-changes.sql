-- title: Every change to one resource
-- severity: info
-- description: Write calls naming the resource: its ARN or id in the first three `resources`, or
--   its id or name anywhere in the request parameters.
-- references: Incident response: scoping
-- param: resource string required | an ARN, id or name (sg-0abc…, my-bucket, i-0123…)
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND (readonly IS NULL OR NOT readonly)
  AND (strpos(coalesce(requestparameters, ''), $resource) > 0
    OR strpos(concat_ws(' ', resources[1].arn, resources[2].arn, resources[3].arn), $resource) > 0)
ORDER BY eventtime, eventid, eventname, eventsource, account, region, principal, sourceipaddress, errorcode
