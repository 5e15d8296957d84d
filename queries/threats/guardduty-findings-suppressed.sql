-- title: GuardDuty findings suppressed
-- severity: high
-- description: GuardDuty told to stay quiet: filters created or updated with the ARCHIVE action
--   (every new finding they match is archived on arrival, never seen) and trusted IP lists created
--   or updated (GuardDuty raises nothing for traffic from those addresses). Saved filters with the
--   NOOP action, filter updates that leave the action out, lists uploaded or updated as inactive
--   (activate false) and failed calls are left out.
-- references: MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.detectorId') AS detector_id,
       coalesce(json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.filterName'), json_extract_scalar(requestparameters, '$.ipSetId')) AS target,
       coalesce(json_extract_scalar(requestparameters, '$.location'), json_extract(requestparameters, '$.findingCriteria')) AS detail,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'guardduty.amazonaws.com'
  AND eventname IN ('CreateFilter', 'UpdateFilter', 'CreateIPSet', 'UpdateIPSet')
  AND errorcode IS NULL
  AND ((eventname IN ('CreateFilter', 'UpdateFilter')
        AND upper(coalesce(json_extract_scalar(requestparameters, '$.action'), '')) = 'ARCHIVE')
    OR (eventname IN ('CreateIPSet', 'UpdateIPSet')
        AND coalesce(json_extract_scalar(requestparameters, '$.activate'), 'true') <> 'false'))
ORDER BY eventtime, eventid
