// Named character references of HTML (HTML 4.01 §24 plus &apos;), for the
// HTML-to-text reduction SEARCH uses (html_text.h).
#pragma once

#include <cstddef>
#include <string_view>

namespace loft::proto::mime {

// The code point `name` (without '&' and ';', case-sensitive) stands for, or
// 0 when it is no HTML 4 entity name.
char32_t html_entity(std::string_view name);

// How many names html_entity knows (253: HTML 4's 252 and apos).
size_t html_entity_count();

}  // namespace loft::proto::mime
