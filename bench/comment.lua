-- wrk script for bench/run.sh: every request posts a new comment to one post.
--   wrk -t2 -c64 -d20s --latency -s bench/comment.lua \
--       http://127.0.0.1:PORT/api/v1/posts/ID/comments -- TOKEN
-- TOKEN is an API token (the "token" of POST /api/v1/auth/signup) of a member of
-- the post's community. Each body is distinct (thread number + counter) so that
-- nothing can be deduplicated or cached along the way.

thread_no = 0  -- global: setup() overwrites it in each thread's Lua state
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

local counter = 0

function init(args)
  local token = args[1]
  if token == nil or token == "" then
    error("comment.lua: pass the API token after '--'")
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"body_md":"Benchmark comment %d-%d: measured with **wrk**, see `bench/run.sh`."}',
    thread_no, counter)
  return wrk.format(nil, nil, nil, body)
end
