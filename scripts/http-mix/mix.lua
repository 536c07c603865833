-- wrk script for scripts/record-http-mix.sh: a fixed-seed mix of methods and paths whose
-- answers nginx.conf.in fixes (the access log is the truth, so the mix only needs variety).
local files = {}
for i = 0, 99 do files[#files + 1] = "/files/b" .. i .. ".dat" end
local gets = {
  "/index.html", "/gz/index.html", "/old", "/elsewhere", "/gone", "/teapot", "/busy",
  "/private", "/nothing-here", "/gz/files/b7.dat",
}
math.randomseed(20260101)

local function pick(t) return t[math.random(#t)] end

request = function()
  local r = math.random(100)
  if r <= 45 then
    return wrk.format("GET", pick(files))
  elseif r <= 60 then
    return wrk.format("GET", pick(gets))
  elseif r <= 64 then  -- conditional GET: nginx's ETag is "mtime-size", unknown here, so
    -- ask with If-Modified-Since far in the future instead: 304
    return wrk.format("GET", "/index.html", { ["If-Modified-Since"] = "Fri, 01 Jan 2100 00:00:00 GMT" })
  elseif r <= 68 then  -- a byte range: 206
    return wrk.format("GET", pick(files), { ["Range"] = "bytes=0-99" })
  elseif r <= 80 then  -- (no HEAD: wrk's parser would wait for the announced body)
    return wrk.format("POST", "/items", { ["Content-Type"] = "application/json" },
                      '{"name":"w","n":' .. math.random(100000) .. '}')
  elseif r <= 84 then
    return wrk.format("PUT", "/items", { ["Content-Type"] = "application/json" },
                      string.rep("p", math.random(3000, 6000)))  -- spans segments
  elseif r <= 87 then
    return wrk.format("PATCH", "/items", { ["Content-Type"] = "application/json" }, '{"n":1}')
  elseif r <= 93 then
    return wrk.format("DELETE", "/items/" .. math.random(1000))
  elseif r <= 96 then
    return wrk.format("DELETE", pick(files))   -- static file: 405
  else
    return wrk.format("OPTIONS", "/index.html") -- static file: 405
  end
end
