# Stack traces of every C-allocator call made inside the counted windows:
#   gdb -q -batch -x benches/allocs/trace.gdb --args \
#     benches/allocs/target/release/ferrozmq-allocs --quick --no-libzmq \
#     --patterns push-pull --transports tcp --sizes 64 --allocators pool --bodies shared
# Pick the runs with the filters: every hit stops the process for a moment.
set pagination off
set print thread-events off
break ferrozmq_allocs::run::window_open
break ferrozmq_allocs::run::window_close
break malloc
break calloc
break realloc
break posix_memalign
disable 3 4 5 6
commands 1
  silent
  enable 3 4 5 6
  continue
end
commands 2
  silent
  disable 3 4 5 6
  continue
end
commands 3 4 5 6
  bt 30
  continue
end
run
