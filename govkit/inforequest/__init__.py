"""依申请公开: requests for government information (政府信息公开条例 2019 第二十七条至第四十五条) and the
annual report tables (第四十九条、第五十条)."""
