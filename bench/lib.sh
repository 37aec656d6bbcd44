# Helpers shared by the bench scripts; source it after setting OUT (the
# folder where each measured LABEL appends to LABEL.txt).

# measure LABEL CMD...: runs the command, appends "seconds maxrss_kb
# user_seconds system_seconds" to $OUT/LABEL.txt; its output is left in
# $OUT/.stdout. On a shared machine the CPU time (med_cpu) says more than
# the wall time.
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/.time" "$@" >"$OUT/.stdout" 2>"$OUT/.stderr" || { cat "$OUT/.stderr"; exit 1; }
  cat "$OUT/.time" >>"$OUT/$label.txt"
}
# median of the numbers on standard input, one per line
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
med_time() { cut -d' ' -f1 "$OUT/$1.txt" | median; }
med_mem_mb() { cut -d' ' -f2 "$OUT/$1.txt" | median | awk '{printf "%.0f", $1/1024}'; }
# median CPU seconds (user + system) of a label
med_cpu() { awk '{print $3 + $4}' "$OUT/$1.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }'; }
