#include <iostream>

#include "tools/loftctl/loftctl.h"

namespace loft::tools {

int print_check(const proto::admin::Response& response) {
  size_t repaired = 0, left = 0;
  for (const auto& row : response.rows) {
    if (row.size() != 4) continue;  // not a check row: a newer server; skip rather than guess
    const bool fixed = row[3] == "repaired";
    (fixed ? repaired : left)++;
    // One problem per line, tab-separated, so scripts can cut(1) it.
    std::cout << row[3] << "\t" << row[0] << "\t" << row[1] << "\t" << row[2] << "\n";
  }
  std::cout.flush();
  if (repaired + left == 0)
    std::cerr << "check: the store is consistent\n";
  else
    std::cerr << "check: " << repaired + left << " problem(s) found, " << repaired << " repaired, " << left
              << " left\n";
  if (!std::cout) return kExitFailed;
  return left == 0 ? kExitOk : kExitFailed;
}

}  // namespace loft::tools
