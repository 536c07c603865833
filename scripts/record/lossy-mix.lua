-- wrk mix for the lossy captures (tests/fidelity/lossy): the methods and URIs of bench-mix.lua over
-- small bodies, and a fixed number of requests (WT_LOSSY_REQUESTS, default 2000, for the one
-- wrk thread) so that a capture stays a few MB however fast the machine is.
local paths = {}
for i=0,199 do paths[#paths+1] = "/static/f"..i..".bin" end
local extra = {"/index.html","/api/items","/redir","/gone","/err","/forbid","/missing","/chunked/index.html"}
local methods = {"GET","GET","GET","GET","POST","PUT","DELETE","OPTIONS","PATCH"}
local limit = tonumber(os.getenv("WT_LOSSY_REQUESTS") or "2000")
local counter = 0
math.randomseed(42)
request = function()
  local m = methods[math.random(#methods)]
  local p
  if math.random() < 0.6 then p = paths[math.random(#paths)] else p = extra[math.random(#extra)] end
  if m == "POST" or m == "PUT" or m == "PATCH" then
    p = "/api/items"
    return wrk.format(m, p, {["Content-Type"]="application/json"}, '{"name":"x","n":'..math.random(1000)..'}')
  end
  return wrk.format(m, p)
end
response = function(status, headers, body)
  counter = counter + 1
  if counter >= limit then wrk.thread:stop() end
end
