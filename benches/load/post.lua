-- wrk: POST a valid questionnaire as JSON; the company and head count vary per request so no
-- two submissions are the same.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local n = 0
local growth = { "stable", "growing", "rapid" }
local reliance = { "low", "moderate", "high", "critical" }

request = function()
  n = n + 1
  local body = string.format(
    '{"company":"Load test %d","employees":%d,"growth":"%s","it_reliance":"%s",'
      .. '"complexity":"moderate","incidents_per_month":%d,"support_hours":"business_hours",'
      .. '"security":"sensitive","in_house_it":"none","budget":"moderate",'
      .. '"cost_preference":"predictable","control":"hands_off"}',
    n, 1 + n % 120, growth[1 + n % 3], reliance[1 + n % 4], n % 12)
  return wrk.format(nil, nil, nil, body)
end
